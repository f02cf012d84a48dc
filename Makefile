# SonoSpine: the two commands of the Quick start, and a few for development.
#   make run    install dependencies if missing, build (Release), run the trainer on the
#               default scenario (headless demo writing files to out/ when there is no display)
#   make test   install dependencies if missing, build, run every test through CTest,
#               then the suites again under AddressSanitizer + UBSan (test-asan), then
#               each libFuzzer harness for FUZZ_TIME seconds (test-fuzz)
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
# Seconds each fuzzer runs in test-fuzz.
FUZZ_TIME  ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_GEN  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build run test test-fast test-asan test-fuzz install clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/sonospine

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-fuzz

test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Every suite (engine, gl on Mesa llvmpipe, cli, integration) again under AddressSanitizer
# + UndefinedBehaviorSanitizer (any UB aborts) with LeakSanitizer, built at -O1 (half the
# run time of -O0, stacks still exact). ASAN_LABELS narrows it (a CTest label regex,
# e.g. ASAN_LABELS=engine). tests/lsan.supp: the one suppression and why.
ASAN_LABELS ?= .
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
test-asan: deps
	cmake -S . -B $(BUILD_ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_C_FLAGS_DEBUG=-g -O1" \
	  -DSONOSPINE_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	$(SAN_ENV) ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS) -L '$(ASAN_LABELS)'

# libFuzzer harnesses (tests/fuzz/) built with clang + ASan + UBSan in $(BUILD_FUZZ), each
# run for FUZZ_TIME seconds from seeds made of the shipped files; fails on any crash,
# leak or sanitizer report; figures in $(BUILD_FUZZ)/fuzz-summary.txt.
test-fuzz: build
	cmake -S . -B $(BUILD_FUZZ) $(CMAKE_GEN) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSONOSPINE_FUZZ=ON -DSONOSPINE_BUILD_TESTS=OFF
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzzers
	bash tests/fuzz/run.sh $(BUILD_FUZZ) $(BUILD) $(FUZZ_TIME) $(JOBS)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
