{
  "variables": { "openssl_fips": "" },
  "targets": [
    {
      "target_name": "clocklab",
      "sources": [
        "native/addon.cc",
        "native/napi/args.cc",
        "native/napi/cpu.cc",
        "native/napi/lock.cc",
        "native/napi/loops.cc",
        "native/napi/pvclock.cc",
        "native/napi/reads.cc",
        "native/napi/warp.cc",
        "native/napi/order.cc",
        "native/napi/timex.cc",
        "native/napi/coreclock.cc",
        "native/napi/tscaux.cc",
        "native/napi/tsc_rate.cc",
        "native/clocks.cc",
        "native/cpuid.cc",
        "native/lock.cc",
        "native/loops.cc",
        "native/methods.cc",
        "native/pin.cc",
        "native/harness.cc",
        "native/warp.cc",
        "native/offsets.cc",
        "native/order.cc",
        "native/pvclock.cc",
        "native/timex.cc",
        "native/coreclock.cc",
        "native/tscaux.cc",
        "native/tsc_rate.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags_cc!": ["-std=gnu++17"],
      "cflags_cc": ["-std=c++20", "-fvisibility=hidden", "-Wall", "-Wextra"]
    }
  ]
}
