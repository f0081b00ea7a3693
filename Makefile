# Polyvox — every target installs what it needs (scripts/install-deps.sh, idempotent) first.
BUILD_DIR    ?= build
ASAN_DIR     ?= build-asan
FUZZ_DIR     ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= job_parser http_form range http_request jwt mp3_frame wav assembler decoder \
                address_guard client_address sse_parser speech_request word_timing cover \
                diacritizer_weights diacritizer_lexicon diacritizer_text diacritizer_answer
BUILD_TYPE   ?= RelWithDebInfo
JOBS         ?= $(shell nproc)
CMAKE_FLAGS  ?=

.PHONY: all deps deps-build deps-test configure build test run synth bench sanitize fuzz clean \
        format

all: build

# What each target installs (scripts/install-deps.sh profiles): run and synth only what
# building needs, test adds the test tools, bench everything.
deps:
	@scripts/install-deps.sh
deps-build:
	@scripts/install-deps.sh --build
deps-test:
	@scripts/install-deps.sh --test

# Configured again each time: cheap, and a build directory first configured by `make run`
# (without GoogleTest) gains its tests once `make test` has installed it.
configure:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: deps-test
	@$(MAKE) --no-print-directory configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Every test (unit + integration) through ctest; its summary line comes last.
test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 600

# The project's main job: the service in embedded mode (configuration from the environment and
# .env; data in ./var). It prints its URL, the /docs address and how to log in. Builds the
# binary only.
run: deps-build
	@$(MAKE) --no-print-directory configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target polyvox
	$(BUILD_DIR)/polyvox serve

# The offline pipeline: render the example job to out/welcome.mp3 without a server.
synth: deps-build
	@$(MAKE) --no-print-directory configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target polyvox
	@mkdir -p out
	$(BUILD_DIR)/polyvox synth examples/welcome.json -o out/welcome.mp3 --manifest out/welcome.manifest.json
	@echo "Rendered out/welcome.mp3 (manifest: out/welcome.manifest.json)"

bench: deps build
	/usr/bin/python3 bench/run.py $(BUILD_DIR)

# ASan + UBSan build running the whole test suite.
sanitize: deps-test
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPOLYVOX_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) --timeout 1200

# libFuzzer targets of tests/fuzz (clang-14, ASan + UBSan, their own build directory; only the
# libraries they need are built), each run FUZZ_SECONDS from its seed corpus. New inputs go to
# $(FUZZ_DIR)/work/corpus/<target>, crashes to $(FUZZ_DIR)/work/artifacts/<target>.
fuzz:
	@scripts/install-deps.sh --fuzz
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLYVOX_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 $(CMAKE_FLAGS)
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target polyvox_fuzzers
	scripts/run-fuzzers.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Rewrites every tracked C++ file as .clang-format says; `make test` fails while one differs.
format:
	git ls-files -z '*.cpp' '*.h' | xargs -0 clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
