// Every test process and every child it starts compares plain text, whatever
// the runner's environment asks for: a CI that sets FORCE_COLOR would colour
// Node's own output (util.inspect in console.log) and make Node warn that
// NO_COLOR is ignored. Tests about colour pass their environment explicitly
// (test/color.test.ts).
delete process.env['FORCE_COLOR'];
process.env['NO_COLOR'] = '1';
