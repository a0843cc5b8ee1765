# Respite: two commands on a fresh Debian machine.
#   make play   installs what is missing, builds, and plays the default session (pmr-short)
#   make test   installs what is missing and runs the whole test suite
SESSION ?= pmr-short
ARGS ?=

# Libraries Respite links against, and the speech data espeak-ng needs at run time.
DEPS := pkg-config libasound2-dev libsndfile1-dev libsoxr-dev libebur128-dev libespeak-ng-dev espeak-ng-data
# Tools the tests use: inputs in other formats, independent measurement, and a sound server
# (PulseAudio with a null sink, reached through ALSA's pulse plugin) that plays in real time.
TEST_DEPS := sox ffmpeg pulseaudio libasound2-plugins

# The release binary carries the Swift runtime and Foundation statically: it starts faster (no
# symbol binding across a dozen shared libraries) and needs about 6 MiB less memory.
RELEASE_BUILD := swift build -c release --product respite --static-swift-stdlib

.PHONY: play test build deps test-deps
SHELL := /bin/bash

play: deps
	$(RELEASE_BUILD)
	.build/release/respite play $(SESSION) $(ARGS)

# The suite's output is long; a failure is repeated at the end so it is never scrolled away.
test: deps test-deps
	@mkdir -p .build
	@set -o pipefail; swift test 2>&1 | tee .build/test.log || { \
		echo; echo "== failures (full log in .build/test.log) =="; \
		grep -E "✘|error:|Expectation failed|Issue recorded|fatal" .build/test.log | grep -v "^✘ Test run" | head -60; \
		exit 1; }

build: deps
	$(RELEASE_BUILD)

deps:
	@scripts/install-deps $(DEPS)

test-deps:
	@scripts/install-deps $(TEST_DEPS)
