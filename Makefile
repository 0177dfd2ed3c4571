# bluegreen: see README.md, or run ./help for every command.
SHELL := /bin/bash
.DEFAULT_GOAL := synth

# jsii (the bridge between Go and the cdktf libraries) starts Node while the
# Go program initializes; this is the variable it reads to skip its Node 20
# end-of-life banner.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20

NPM_STAMP      := node_modules/.package-lock.json
LOCK_HASH      := $(shell sha256sum package-lock.json | cut -c1-16)
BINDINGS_STAMP := .gen/.stamp-$(LOCK_HASH)
CDKTF          := node_modules/.bin/cdktf
GO_TEST_FLAGS  ?= -count=1 -timeout 45m

.PHONY: help synth test bench deploy diff bindings node-tools clean

help:
	@./help

# npm ci runs only when package-lock.json is newer than the last install.
$(NPM_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node-tools: $(NPM_STAMP)

# The helm and kubernetes Go bindings, generated from the pinned npm
# packages. The stamp carries the lockfile's hash, so they are regenerated
# only when the lockfile changes.
$(BINDINGS_STAMP): $(NPM_STAMP)
	rm -rf .gen/go .gen/.stamp-*
	node_modules/.bin/jsii-pacmak --targets go --code-only --outdir .gen \
		node_modules/@cdktf/provider-helm node_modules/@cdktf/provider-kubernetes
	@touch $@

bindings: $(BINDINGS_STAMP)

# istioctl, for Istio's analyzer (go run . check, internal/analyze), built from
# the istio.io/istio commit pinned in tools/go.mod. Make rebuilds it only when
# tools/go.mod or tools/go.sum change, and Go's build cache makes a rebuild
# of unchanged sources take seconds (the first build takes minutes).
ISTIOCTL := tools/bin/istioctl

.PHONY: istioctl
$(ISTIOCTL): tools/go.mod tools/go.sum
	cd tools && GOBIN=$(CURDIR)/tools/bin go install istio.io/istio/istioctl/cmd/istioctl

istioctl: $(ISTIOCTL)

synth: bindings
	go run main.go

test: bindings $(ISTIOCTL)
	go test $(GO_TEST_FLAGS) ./...

# The cluster stack's apply/destroy cycle on moto (stacks/cluster_integration_test.go),
# alone and verbose; make test runs it too.
.PHONY: integration
integration: bindings
	go test -run TestClusterStackAppliesOnMoto -v -timeout 20m ./stacks/

bench: bindings
	go test -run '^$$' -bench . -benchtime 3x -timeout 30m ./...

deploy: bindings
	@test -n "$(ENV)" || { echo "usage: make deploy ENV=<environment>" >&2; exit 2; }
	ENVIRONMENTS=$(ENV) $(CDKTF) deploy '$(ENV)-*'

diff: bindings
	@test -n "$(ENV)" || { echo "usage: make diff ENV=<environment>" >&2; exit 2; }
	ENVIRONMENTS=$(ENV) $(CDKTF) diff '$(ENV)-*'

clean:
	rm -rf cdktf.out .gen

.PHONY: promote routes check graph
# Make COLOUR the live colour of ENV: a one-line change to cdktf.json.
promote: bindings
	@test -n "$(ENV)" && test -n "$(COLOUR)" || { echo "usage: make promote ENV=<environment> COLOUR=<blue|green>" >&2; exit 2; }
	go run . promote $(ENV) $(COLOUR)

# Show where requests to ENV go, rendered and evaluated offline.
routes: bindings
	@test -n "$(ENV)" || { echo "usage: make routes ENV=<environment>" >&2; exit 2; }
	go run . routes $(ENV)

# Istio's analyzer and bluegreen's checks on what ENV deploys.
check: bindings $(ISTIOCTL)
	@test -n "$(ENV)" || { echo "usage: make check ENV=<environment>" >&2; exit 2; }
	go run . check $(ENV)

# Draw ENV's routing (Mermaid, DOT; SVG and PNG with Graphviz).
graph: bindings
	@test -n "$(ENV)" || { echo "usage: make graph ENV=<environment>" >&2; exit 2; }
	go run . graph $(ENV)
