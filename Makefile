# Quick start: `make demo` runs the main job, `make test` runs the whole suite.
BUILD ?= build
BUILD_ASAN ?= build-asan
MESON_OPTS ?= --buildtype=debugoptimized

.PHONY: all deps build demo test test-asan clean

all: build

deps:
	@bash tools/setup-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	./$(BUILD)/cli/lil run -n 200

# The lavapipe pass leaves out suite host (tests that need no Vulkan device): the sanitizer pass
# runs them with the same checks (tests/meson.build).
test: build
	meson test -C $(BUILD) --print-errorlogs --num-processes 2 --no-suite host
	$(MAKE) test-asan

# the sanitizer build copies the first build's SPIR-V (same glslc) instead of compiling it again
$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) $(MESON_OPTS) -Db_sanitize=address,undefined -Db_lundef=false \
	  -Dspirv_from=$(CURDIR)/$(BUILD)/shaders

test-asan: build $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)
	meson test -C $(BUILD_ASAN) --print-errorlogs --num-processes 2 --no-suite slow --timeout-multiplier 3

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
