conformance-plugin 0102030405060708 < tests/golden/plugin_prog.hex
