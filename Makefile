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

# The local Kubernetes control plane the tests install every environment into
# (internal/controlplane): kube-apiserver and kube-controller-manager from the
# wrapper module tools/kube, pilot-discovery (istiod) from tools/go.mod (the
# same Istio commit as istioctl), etcd from Debian's etcd-server package.
# They are built into a cache outside the clone, one folder per version (the
# version is the folder's name, so the targets need no other prerequisite),
# and a fresh clone on the same machine reuses them; the first build takes
# minutes (README, "Testing"). internal/controlplane looks in the same folders.
BLUEGREEN_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/bluegreen
KUBE_VERSION    := $(shell awk '$$1=="require" && $$2=="k8s.io/kubernetes" {print $$3}' tools/kube/go.mod)
ISTIO_VERSION   := $(shell awk '$$1=="require" && $$2=="istio.io/istio" {print $$3}' tools/go.mod)
KUBE_DIR        := $(BLUEGREEN_CACHE)/kube-$(KUBE_VERSION)
ISTIOD_DIR      := $(BLUEGREEN_CACHE)/istiod-$(ISTIO_VERSION)
# etcd is Debian's etcd-server package (bookworm's 3.4.23), unpacked; no
# service is started. Upstream etcd maintains only its two newest minor
# releases, so 3.4 gets fixes from Debian alone (bookworm's security
# support); kube-apiserver 1.35 runs on it for these tests (measured), while
# real clusters run a newer etcd. The version is pinned here rather than
# asked of apt, which costs seconds on every make.
ETCD_VERSION    := 3.4.23-4+b4
ETCD_DIR        := $(BLUEGREEN_CACHE)/etcd-$(ETCD_VERSION)
KUBE_LDFLAGS    := -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) \
	-X k8s.io/component-base/version.gitMajor=$(word 1,$(subst ., ,$(KUBE_VERSION:v%=%))) \
	-X k8s.io/component-base/version.gitMinor=$(word 2,$(subst ., ,$(KUBE_VERSION:v%=%)))

.PHONY: controlplane
$(KUBE_DIR)/kube-apiserver $(KUBE_DIR)/kube-controller-manager &:
	mkdir -p $(KUBE_DIR)
	cd tools/kube && go build -ldflags '$(KUBE_LDFLAGS)' -o $(KUBE_DIR)/kube-apiserver.tmp k8s.io/kubernetes/cmd/kube-apiserver
	cd tools/kube && go build -ldflags '$(KUBE_LDFLAGS)' -o $(KUBE_DIR)/kube-controller-manager.tmp k8s.io/kubernetes/cmd/kube-controller-manager
	mv $(KUBE_DIR)/kube-apiserver.tmp $(KUBE_DIR)/kube-apiserver
	mv $(KUBE_DIR)/kube-controller-manager.tmp $(KUBE_DIR)/kube-controller-manager

$(ISTIOD_DIR)/pilot-discovery:
	mkdir -p $(ISTIOD_DIR)
	cd tools && go build -o $@.tmp istio.io/istio/pilot/cmd/pilot-discovery
	mv $@.tmp $@

$(ETCD_DIR)/.stamp:
	rm -rf $(ETCD_DIR) && mkdir -p $(ETCD_DIR)/deb
	cd $(ETCD_DIR)/deb && apt-get download etcd-server=$(ETCD_VERSION) || \
		{ echo "apt-get cannot download etcd-server $(ETCD_VERSION): run apt-get update" >&2; exit 1; }
	dpkg-deb -x $(ETCD_DIR)/deb/etcd-server_*.deb $(ETCD_DIR)/root
	test -x $(ETCD_DIR)/root/usr/bin/etcd
	ln -sf root/usr/bin/etcd $(ETCD_DIR)/etcd
	@touch $@

controlplane: $(KUBE_DIR)/kube-apiserver $(KUBE_DIR)/kube-controller-manager $(ISTIOD_DIR)/pilot-discovery $(ETCD_DIR)/.stamp

synth: bindings
	go run main.go

# The control plane tests (internal/controlplane, internal/meshinstall) fail
# rather than skip when make test runs them.
test: bindings $(ISTIOCTL) controlplane
	BLUEGREEN_CONTROLPLANE_REQUIRED=1 go test $(GO_TEST_FLAGS) ./...

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

# Show where requests to ENV go, rendered and evaluated offline; with
# ENVOY=1, also installed into the local control plane and judged by the
# Envoy routes istiod generates (builds the control plane first).
routes: bindings $(if $(ENVOY),controlplane)
	@test -n "$(ENV)" || { echo "usage: make routes ENV=<environment> [ENVOY=1]" >&2; exit 2; }
	go run . routes $(ENV) $(if $(ENVOY),--envoy)

# Istio's analyzer and bluegreen's checks on what ENV deploys.
check: bindings $(ISTIOCTL)
	@test -n "$(ENV)" || { echo "usage: make check ENV=<environment>" >&2; exit 2; }
	go run . check $(ENV)

# Draw ENV's routing (Mermaid, DOT; SVG and PNG with Graphviz).
graph: bindings
	@test -n "$(ENV)" || { echo "usage: make graph ENV=<environment>" >&2; exit 2; }
	go run . graph $(ENV)
