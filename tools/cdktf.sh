#!/usr/bin/env bash
# cdktf.sh: make deploy, diff and destroy (see the Makefile and
# docs/deploying.md).
#
#   tools/cdktf.sh <deploy|diff|destroy> <env> [<stack>]
#
# Environment: CDKTF (the cdktf CLI), CDKTF_OUTDIR (the synthesized stacks;
# default cdktf.out), AUTO_APPROVE (non-empty passes --auto-approve), and
# whatever Terraform reads (TF_CLI_CONFIG_FILE and its provider_installation).
#
# It synthesizes the environment, makes sure each stack it acts on has a
# .terraform.lock.hcl, then runs the cdktf CLI with --skip-synth. The lock
# file matters on a machine whose only provider source is a filesystem or
# network mirror: cdktf 0.20 runs `terraform providers lock -platform=...`
# in a stack folder that has none, and that command ignores
# provider_installation and asks the public registry. `terraform init
# -backend=false` installs from the configured mirror and writes the lock
# file; cdktf then skips its own lock step.
set -euo pipefail

goal=${1:?usage: tools/cdktf.sh <deploy|diff|destroy> <env> [<stack>]}
env=${2:?usage: tools/cdktf.sh <deploy|diff|destroy> <env> [<stack>]}
stack=${3:-}
cdktf=${CDKTF:-node_modules/.bin/cdktf}
out=${CDKTF_OUTDIR:-cdktf.out}
export CDKTF_OUTDIR=$out

ENVIRONMENTS=$env go run main.go

# The stacks to act on, in deploy order (stacks/stacks.go names them).
stacks=()
if [ -n "$stack" ]; then
	stacks=("$env-$stack")
else
	for s in cluster mesh app; do
		if [ -f "$out/stacks/$env-$s/cdk.tf.json" ]; then stacks+=("$env-$s"); fi
	done
	# An environment of apps has a stack per app, <env>-app-<name>: those
	# of this synthesis, from its manifest.
	while IFS= read -r s; do stacks+=("$s"); done < <(node -e '
		const [manifest, env] = process.argv.slice(1);
		for (const s of Object.keys(require(manifest).stacks).sort()) if (s.startsWith(env + "-app-")) console.log(s);
	' "$(realpath "$out")/manifest.json" "$env")
fi
for s in "${stacks[@]}"; do
	test -f "$out/stacks/$s/cdk.tf.json" || { echo "make $goal: environment $env has no stack $s" >&2; exit 2; }
done

for s in "${stacks[@]}"; do
	dir=$out/stacks/$s
	[ -f "$dir/.terraform.lock.hcl" ] && continue
	echo "$s: writing .terraform.lock.hcl with terraform init -backend=false (providers from the configured installation)"
	if ! log=$(terraform -chdir="$dir" init -backend=false -input=false -no-color 2>&1); then
		printf '%s\n' "$log" >&2
		echo "make $goal: $s: terraform init could not install the stack's providers (above); nothing was deployed or destroyed." >&2
		echo "make $goal: make every provider of the stack available from the provider installation of your Terraform CLI configuration (docs/deploying.md)" >&2
		exit 1
	fi
done

flags=(--skip-synth --output "$out")
# Colours and spinners only for a terminal (CI logs stay readable).
[ -t 1 ] || flags+=(--no-color)
[ -n "${AUTO_APPROVE:-}" ] && [ "$goal" != diff ] && flags+=(--auto-approve)
# One stack of several: cdktf refuses unless told its dependencies (for
# deploy) or dependants (for destroy) are left out on purpose.
[ -n "$stack" ] && [ "$goal" != diff ] && flags+=(--ignore-missing-stack-dependencies)

case $goal in
deploy)
	exec "$cdktf" deploy "${flags[@]}" "${stacks[@]}" ;;
destroy)
	# cdktf destroys dependants first: app, mesh, then cluster.
	exec "$cdktf" destroy "${flags[@]}" "${stacks[@]}" ;;
diff)
	# cdktf diff takes one stack.
	for s in "${stacks[@]}"; do "$cdktf" diff "${flags[@]}" "$s"; done ;;
*)
	echo "tools/cdktf.sh: unknown goal \"$goal\"; allowed: deploy, diff, destroy" >&2; exit 2 ;;
esac
