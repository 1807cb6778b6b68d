{
  # The native shim: build/Release/shim.node. node-addon-api with C++ exceptions on
  # (its except.gypi settings, spelled out); Node-API version 8 (Node >= 12.22).
  'targets': [
    {
      'target_name': 'shim',
      'sources': ['shim/linux.cc', 'shim/addon.cc'],
      # build/gen: constants.h, the numbers of assembly/protocol.ts and sys.ts (make writes it).
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")", 'build/gen'],
      'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS'],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc!': ['-fno-exceptions'],
      'cflags': ['-Wall', '-Wextra', '-Werror'],  # for C++ too
    },
  ],
}
