#!/usr/bin/env node
// awsbinding generates the Go binding of the AWS provider that bluegreen
// uses in place of the 516 MB github.com/cdktf/cdktf-provider-aws-go/aws/v19
// module: the same module path and, for the types we use, the same Go API,
// but only the resource and data-source types the Go code imports, so the
// jsii assembly Node loads on every synth is small.
//
// It is cdktf's own machinery end to end: @cdktf/provider-generator (what
// `cdktf get` and the prebuilt providers run) writes the TypeScript from the
// provider schema, jsii compiles it and jsii-pacmak turns it into Go, as the
// prebuilt @cdktf/provider-aws package is made.
//
// Usage (from the repository root; see the Makefile):
//
//	node tools/awsbinding/awsbinding.js schema FULL_SCHEMA.json PROVIDER_VERSION
//	    Write tools/awsbinding/schema.json (the provider block and the types
//	    the Go code imports, nothing else) and tools/awsbinding/types.json
//	    (the Go package of every type in the provider) from the output of
//	    `terraform providers schema -json`. `make aws-schema` runs it.
//	node tools/awsbinding/awsbinding.js generate OUTDIR
//	    Generate OUTDIR/go/aws from the committed schema.json.
//	node tools/awsbinding/awsbinding.js packages
//	    Print the aws/v19 packages the Go code imports, one a line.
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { importedPackages: goImports } = require("../goimports");

// @cdktf/commons runs `terraform version -json` when it is loaded, for its
// error reports; without a CLI config of its own that Terraform complains
// about a missing ~/.terraformrc. The version is not used here.
process.env.TF_CLI_CONFIG_FILE = "/dev/null";

const root = path.resolve(__dirname, "..", "..");
const here = __dirname;
const schemaFile = path.join(here, "schema.json");
const typesFile = path.join(here, "types.json");

const FQPN = "registry.terraform.io/hashicorp/aws";
// The upstream module path and package, from the jsii "go" target of the
// prebuilt @cdktf/provider-aws 19.50.0 package.
const GO_MODULE = "github.com/cdktf/cdktf-provider-aws-go";
const GO_PACKAGE = "aws";
const IMPORT_PREFIX = `${GO_MODULE}/${GO_PACKAGE}/v19/`;
// The npm identity of the prebuilt package this binding stands in for: jsii
// derives the Go module's major version (/v19) from it, and the constraint
// and source are what the prebuilt package was generated with
// (terraformProviderSource 'aws', providerVersionConstraint '~> 5.0').
const NPM_NAME = "@cdktf/provider-aws";
const NPM_VERSION = "19.50.0";
const CONSTRAINT = "aws@~> 5.0";

// importedPackages returns the aws/v19 packages the Go code imports.
function importedPackages() {
  return goImports(root, IMPORT_PREFIX);
}

function generatorFor(schema) {
  const { TerraformProviderGenerator, CodeMaker } = require(path.join(root, "node_modules/@cdktf/provider-generator"));
  const code = new CodeMaker();
  return { code, generator: new TerraformProviderGenerator(code, schema) };
}

function target() {
  const { TerraformProviderConstraint, ConstructsMakerProviderTarget, LANGUAGES } = require(path.join(root, "node_modules/@cdktf/commons"));
  return new ConstructsMakerProviderTarget(new TerraformProviderConstraint(CONSTRAINT), LANGUAGES[0]);
}

// goPackages maps the Go package of every resource and data source in
// schema to its Terraform type, as the generator names the folders
// (eks-cluster, data-aws-partition) and jsii-pacmak the Go packages
// (ekscluster, dataawspartition).
function goPackages(schema) {
  const { generator } = generatorFor(schema);
  const out = {};
  for (const m of generator.buildResourceModels(FQPN, target())) {
    const pkg = path.basename(m.namespaceFolderPath).replace(/[^a-zA-Z0-9]/g, "").toLowerCase();
    const kind = m.terraformSchemaType === "data_source" ? "data source" : "resource";
    const type = m.terraformSchemaType === "data_source" ? m.terraformType.replace(/^data_/, "") : m.terraformType;
    if (out[pkg]) throw new Error(`two types map to Go package ${pkg}: ${out[pkg].type} and ${type}`);
    out[pkg] = { kind, type };
  }
  return out;
}

function writeJSON(file, v) {
  fs.writeFileSync(file, JSON.stringify(v, null, 1) + "\n");
}

// writeTypes writes types.json one package a line, so that a diff of it
// after a provider upgrade reads as a list of added and removed types.
function writeTypes(version, types) {
  const lines = Object.keys(types)
    .sort()
    .map((p) => `  ${JSON.stringify(p)}: ${JSON.stringify(types[p])}`);
  fs.writeFileSync(typesFile, `{"provider_version": ${JSON.stringify(version)}, "packages": {\n${lines.join(",\n")}\n}}\n`);
}

function missingError(missing, types) {
  const names = missing.map((p) => (types[p] ? `${IMPORT_PREFIX}${p} (${types[p].kind} ${types[p].type})` : `${IMPORT_PREFIX}${p} (no such type in the provider)`));
  return new Error(`tools/awsbinding/schema.json lacks types the Go code imports:\n  ${names.join("\n  ")}\nrun make aws-schema to add them`);
}

// pick returns the provider block of aws and the resource and data-source
// schemas of the packages used (types maps packages to types in aws), or
// throws naming the packages aws lacks (allTypes names their types).
function pick(aws, types, used, allTypes) {
  const missing = used.filter((p) => p !== "provider" && !types[p]);
  if (missing.length) throw missingError(missing, allTypes);
  const out = { provider: aws.provider, resource_schemas: {}, data_source_schemas: {} };
  for (const p of used) {
    if (p === "provider") continue;
    const t = types[p];
    if (t.kind === "resource") out.resource_schemas[t.type] = aws.resource_schemas[t.type];
    else out.data_source_schemas[t.type] = aws.data_source_schemas[t.type];
  }
  return out;
}

function schemaCommand(fullFile, version) {
  if (!fullFile || !version) throw new Error("usage: awsbinding.js schema FULL_SCHEMA.json PROVIDER_VERSION");
  const full = JSON.parse(fs.readFileSync(fullFile, "utf8"));
  const aws = full.provider_schemas && full.provider_schemas[FQPN];
  if (!aws) throw new Error(`${fullFile} has no ${FQPN} schema`);
  const all = { format_version: full.format_version, provider_schemas: { [FQPN]: aws }, provider_versions: { [FQPN]: version } };
  const types = goPackages(all);
  const used = importedPackages();
  const filtered = pick(aws, types, used, types);
  writeJSON(schemaFile, { format_version: full.format_version, provider_schemas: { [FQPN]: filtered }, provider_versions: { [FQPN]: version } });
  writeTypes(version, types);
  console.log(`wrote ${path.relative(root, schemaFile)} (${used.length} packages: ${used.join(" ")}) and ${path.relative(root, typesFile)} (${Object.keys(types).length} types)`);
}

function generateCommand(outdir) {
  if (!outdir) throw new Error("usage: awsbinding.js generate OUTDIR");
  outdir = path.resolve(outdir);
  const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
  const aws = schema.provider_schemas[FQPN];
  const used = importedPackages();
  // Only what is imported now: a type dropped from the code drops from
  // the binding without regenerating the schema.
  const keep = pick(aws, goPackages(schema), used, JSON.parse(fs.readFileSync(typesFile, "utf8")).packages);
  const started = Date.now();
  const step = (name, t0) => console.log(`awsbinding: ${name} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const { code, generator } = generatorFor({ ...schema, provider_schemas: { [FQPN]: keep } });
  generator.generate(target());

  const staging = path.join(outdir, "aws-src");
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  return code.save(staging).then(() => {
    const cdktfVersion = require(path.join(root, "node_modules/cdktf/package.json")).version;
    const constructsVersion = require(path.join(root, "node_modules/constructs/package.json")).version;
    const providerVersion = schema.provider_versions[FQPN];
    writeJSON(path.join(staging, "package.json"), {
      name: NPM_NAME,
      version: NPM_VERSION,
      description: `aws provider for cdktf: only the types bluegreen imports, generated from hashicorp/aws ${providerVersion} (tools/awsbinding)`,
      license: "MPL-2.0",
      author: { name: "bluegreen (generated)", url: "https://github.com/bluegreen-mesh/bluegreen" },
      repository: { type: "git", url: "https://github.com/bluegreen-mesh/bluegreen.git" },
      main: "providers/aws/index.js",
      types: "providers/aws/index.d.ts",
      peerDependencies: { cdktf: `^${cdktfVersion}`, constructs: `^${constructsVersion}` },
      devDependencies: { cdktf: cdktfVersion, constructs: constructsVersion },
      cdktf: { isDeprecated: false, provider: { name: FQPN, version: providerVersion } },
      jsii: { outdir: "dist", targets: { go: { moduleName: GO_MODULE, packageName: GO_PACKAGE } } },
    });
    // The tarball embedded in the Go module carries the compiled
    // JavaScript and the assembly, not the TypeScript sources.
    fs.writeFileSync(path.join(staging, ".npmignore"), "*.ts\n!*.d.ts\ntsconfig.json\ndist/\nproviders/**/README.md\n");
    fs.writeFileSync(
      path.join(staging, "README.md"),
      `# ${NPM_NAME} (generated)\n\nThe types of hashicorp/aws ${providerVersion} that bluegreen imports, generated by tools/awsbinding.\n`,
    );
    fs.symlinkSync(path.join(root, "node_modules"), path.join(staging, "node_modules"), "dir");
    const bin = (name) => path.join(root, "node_modules", ".bin", name);
    step("the provider generator (TypeScript)", started);
    let t0 = Date.now();
    execFileSync(bin("jsii"), ["--silence-warnings", "reserved-word"], { cwd: staging, stdio: "inherit" });
    step("jsii", t0);
    fs.rmSync(path.join(outdir, "go", GO_PACKAGE), { recursive: true, force: true });
    t0 = Date.now();
    execFileSync(bin("jsii-pacmak"), ["--targets", "go", "--code-only", "--outdir", outdir, staging], { cwd: root, stdio: "inherit" });
    step("jsii-pacmak (Go)", t0);
    console.log(`generated ${path.relative(root, path.join(outdir, "go", GO_PACKAGE))} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${used.join(" ")}`);
  });
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2);
  switch (cmd) {
    case "schema":
      return schemaCommand(...args);
    case "generate":
      return generateCommand(...args);
    case "packages":
      return console.log(importedPackages().join("\n"));
    default:
      throw new Error("usage: awsbinding.js schema FULL_SCHEMA.json PROVIDER_VERSION | generate OUTDIR | packages");
  }
}

main().catch((e) => {
  console.error(`awsbinding: ${e.message}`);
  process.exit(1);
});
