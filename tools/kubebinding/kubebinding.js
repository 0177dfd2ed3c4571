#!/usr/bin/env node
// kubebinding prepares the npm package that `make bindings` turns into the
// Go module github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11:
// the pinned @cdktf/provider-kubernetes with only the submodules (resource
// and data-source types) the Go code imports. Its jsii assembly is 49 MB of
// type metadata for 100-odd types, which Node parsed on every synth to use
// three of them.
//
// Nothing is rewritten: the kept types' assembly entries and compiled
// JavaScript are copied verbatim, so their Go API and behaviour are the
// published package's. (The kubernetes provider is not in the machine's
// Terraform mirror, so unlike the AWS binding it cannot be regenerated from
// a schema.)
//
// Usage (from the repository root):
//
//	node tools/kubebinding/kubebinding.js prune OUTDIR
//	    Write the pruned package to OUTDIR.
//	node tools/kubebinding/kubebinding.js packages
//	    Print the kubernetes/v11 packages the Go code imports.
"use strict";

const fs = require("fs");
const path = require("path");
const { importedPackages } = require("../goimports");

const root = path.resolve(__dirname, "..", "..");
const NAME = "@cdktf/provider-kubernetes";
const IMPORT_PREFIX = "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/";

function prune(outdir) {
  if (!outdir) throw new Error("usage: kubebinding.js prune OUTDIR");
  const src = path.join(root, "node_modules", NAME);
  const assembly = JSON.parse(fs.readFileSync(path.join(src, ".jsii"), "utf8"));
  // Go package (namespacev1) -> submodule (@cdktf/provider-kubernetes.namespaceV1).
  const submodules = {};
  for (const fqn of Object.keys(assembly.submodules)) {
    submodules[fqn.slice(NAME.length + 1).toLowerCase()] = fqn;
  }
  const used = importedPackages(root, IMPORT_PREFIX);
  const missing = used.filter((p) => !submodules[p]);
  if (missing.length) {
    throw new Error(`${NAME} ${assembly.version} has no submodule for ${missing.map((p) => IMPORT_PREFIX + p).join(", ")}`);
  }
  const keep = new Set(used.map((p) => submodules[p]));
  const kept = (fqn) => keep.has(fqn.split(".").slice(0, 2).join("."));
  const types = Object.fromEntries(Object.entries(assembly.types).filter(([fqn]) => kept(fqn)));
  // A kept type must not refer to a dropped one.
  const refs = JSON.stringify(types).match(new RegExp(`"${NAME.replace("/", "\\/")}\\.[A-Za-z0-9_.]+"`, "g")) || [];
  const dangling = [...new Set(refs.map((r) => JSON.parse(r)))].filter((fqn) => !kept(fqn) && !keep.has(fqn));
  if (dangling.length) throw new Error(`kept types refer to dropped ones: ${dangling.join(", ")}`);

  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(path.join(outdir, "lib"), { recursive: true });
  const submoduleDirs = [];
  for (const fqn of [...keep].sort()) {
    // symbolId "src/namespace-v1/index:" -> lib/namespace-v1
    const dir = assembly.submodules[fqn].symbolId.replace(/^src\//, "").replace(/\/index:$/, "");
    fs.cpSync(path.join(src, "lib", dir), path.join(outdir, "lib", dir), { recursive: true });
    submoduleDirs.push([fqn.slice(NAME.length + 1), dir]);
  }
  const index = ['"use strict";', 'Object.defineProperty(exports, "__esModule", { value: true });'];
  for (const [name, dir] of submoduleDirs) index.push(`exports.${name} = require("./${dir}");`);
  fs.writeFileSync(path.join(outdir, "lib", "index.js"), index.join("\n") + "\n");
  const pkg = JSON.parse(fs.readFileSync(path.join(src, "package.json"), "utf8"));
  delete pkg.files;
  fs.writeFileSync(path.join(outdir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  fs.copyFileSync(path.join(src, "LICENSE"), path.join(outdir, "LICENSE"));
  // jsii-pacmak resolves the dependencies (cdktf, constructs) from here.
  fs.symlinkSync(path.join(root, "node_modules"), path.join(outdir, "node_modules"), "dir");
  fs.writeFileSync(
    path.join(outdir, ".jsii"),
    JSON.stringify({
      ...assembly,
      types,
      submodules: Object.fromEntries(Object.entries(assembly.submodules).filter(([fqn]) => keep.has(fqn))),
    }),
  );
  console.log(`kubebinding: ${NAME} ${assembly.version} with ${used.join(" ")} (${Object.keys(types).length} of ${Object.keys(assembly.types).length} types)`);
}

const [cmd, ...args] = process.argv.slice(2);
try {
  if (cmd === "prune") prune(...args);
  else if (cmd === "packages") console.log(importedPackages(root, IMPORT_PREFIX).join("\n"));
  else throw new Error("usage: kubebinding.js prune OUTDIR | packages");
} catch (e) {
  console.error(`kubebinding: ${e.message}`);
  process.exit(1);
}
