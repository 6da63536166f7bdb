# userbpf - plain GNU Make. Sources are found by wildcard, so adding a file to a component
# folder needs no edit here:
#   src/<component>/*.c   -> build/libuserbpf.a
#   cli/*.c               -> build/userbpf
#   tests/unit/test_*.c   -> build/tests/test_*      (one binary per module)
#   fuzz/fuzz_*.c         -> build-fuzz/fuzz_*       (libFuzzer, clang)
#   bench/                -> make bench (bench/run.sh)
CC       ?= gcc
BUILD    ?= build
OPT      ?= -O2
SAN      ?=
CFLAGS   := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Isrc \
            -Iinclude -fvisibility=hidden -fno-strict-aliasing $(SAN) $(EXTRA_CFLAGS)
LDLIBS   := -lbpf -lelf -lz -lpcap -lcapstone -lpthread -lm
LDFLAGS  := $(SAN)

LIB_SRC  := $(sort $(wildcard src/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_SRC  := $(sort $(wildcard cli/*.c))
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
HDRS     := include/userbpf.h $(wildcard src/*/*.h src/*/*.def cli/*.h tests/unit/*.h)

.PHONY: all deps demo test asan fuzz bench clean lib clang-check

all: $(BUILD)/libuserbpf.a $(BUILD)/userbpf $(TEST_BIN) $(TOOL_BIN)

lib: $(BUILD)/libuserbpf.a

deps:
	@bash scripts/deps.sh

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libuserbpf.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/userbpf: $(CLI_OBJ) $(BUILD)/libuserbpf.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libuserbpf.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libuserbpf.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(BUILD)/libuserbpf.a $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libuserbpf.a $(HDRS) $(wildcard tests/kernel/*.c)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(BUILD)/libuserbpf.a $(LDLIBS)

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh $(BUILD)

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory fuzz-build
	@BUILD=$(BUILD) bash tests/run.sh

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own build folder.
asan: deps
	@$(MAKE) --no-print-directory all BUILD=build-asan OPT=-O1 \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	@$(MAKE) --no-print-directory fuzz-build
	@BUILD=build-asan ASAN=1 bash tests/run.sh

# libFuzzer targets: fuzz/fuzz_<name>.c, each linked with a clang-built, instrumented library.
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
.PHONY: fuzz-build fuzz-lib
fuzz-build: fuzz-lib
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
fuzz-lib:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT=-O1 SAN="$(FUZZ_SAN)" \
		build-fuzz/libuserbpf.a
build-fuzz/fuzz_%: fuzz/fuzz_%.c build-fuzz/libuserbpf.a $(HDRS)
	clang -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Iinclude -Isrc \
		-fsanitize=fuzzer,address,undefined -o $@ $< build-fuzz/libuserbpf.a $(LDLIBS)
fuzz: deps fuzz-build
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-600} bash tests/suites/fuzz.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bash bench/run.sh $(BUILD)

# The same build with clang, as a warnings check (gcc is the default compiler).
clang-check:
	@$(MAKE) --no-print-directory all CC=clang BUILD=build-clang

clean:
	rm -rf build build-asan build-fuzz build-clang
