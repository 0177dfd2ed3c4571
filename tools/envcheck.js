#!/usr/bin/env node
// envcheck: the Makefile's check of ENV, STACK, COLOUR and APP, run before make
// builds anything (bindings, istioctl, the control plane), so a mistyped
// environment is said in a fraction of a second rather than after minutes
// of building.
//
//   node tools/envcheck.js <goal> <config> <env> <stack> <colour> [<app>]
//
// For promote, APP names the app of an environment with apps (the keys of
// its apps); it may be left out where the environment has one app (the
// shorthand's, or the only entry of apps).
//
// It prints the problem on stderr and exits 2, or exits 0. It only checks
// names: a file that is not valid JSON passes (exit 0), and the program then
// reports the error with its line and column, as it validates everything
// else.
"use strict";
const fs = require("fs");

// The stacks of an environment, as stacks/stacks.go names them (the
// cluster stack only for target.type "eks", the default).
const STACKS = ["cluster", "mesh", "app"];
// The colours of an app (mesh/colour.go).
const COLOURS = ["blue", "green"];

const USAGE = {
  deploy: "make deploy ENV=<environment> [STACK=cluster|mesh|app|app-<app>] [AUTO_APPROVE=1]",
  diff: "make diff ENV=<environment> [STACK=cluster|mesh|app|app-<app>]",
  destroy: "make destroy ENV=<environment> [STACK=cluster|mesh|app|app-<app>] [AUTO_APPROVE=1]",
  routes: "make routes ENV=<environment> [ENVOY=1]",
  check: "make check ENV=<environment>",
  graph: "make graph ENV=<environment>",
  promote: "make promote ENV=<environment> [APP=<app>] COLOUR=<blue|green>",
  status: "make status ENV=<environment> [APP=<app>]",
};
const TAKES_STACK = ["deploy", "diff", "destroy"];

function fail(msg) {
  process.stderr.write(msg + "\n");
  process.exit(2);
}

function main([goal, config, env, stack, colour, app]) {
  const usage = USAGE[goal];
  if (!usage) fail(`envcheck: unknown goal "${goal}"; allowed: ${Object.keys(USAGE).join(", ")}`);
  if (!env) fail("usage: " + usage);
  if (goal === "promote" && !colour) fail("usage: " + usage);
  if (colour && goal === "promote" && !COLOURS.includes(colour)) {
    fail(`make ${goal}: COLOUR "${colour}": allowed: ${COLOURS.join(", ")}`);
  }
  if (stack && !TAKES_STACK.includes(goal)) fail(`make ${goal} takes no STACK (got "${stack}"); usage: ${usage}`);
  if (stack && !STACKS.includes(stack) && !stack.startsWith("app-")) {
    fail(`make ${goal}: STACK "${stack}": allowed: ${STACKS.join(", ")}, or app-<app> for an app of apps`);
  }

  let text;
  try {
    text = fs.readFileSync(config, "utf8");
  } catch (e) {
    fail(`make ${goal}: reading ${config}: ${e.message}`);
  }
  let envs;
  try {
    envs = JSON.parse(text).context.environments;
  } catch (e) {
    return; // not JSON, or no environments: the program says what is wrong
  }
  if (!envs || typeof envs !== "object") return;
  const names = Object.keys(envs).sort();
  if (!Object.prototype.hasOwnProperty.call(envs, env)) {
    fail(`make ${goal}: environment "${env}" is not in ${config}; environments: ${names.join(", ") || "none"}`);
  }
  const e = envs[env] || {};
  const target = (e.target && e.target.type) || "eks";
  // The app stacks: <env>-app for the shorthand, <env>-app-<name> for each
  // app of apps.
  const appStacks = appNames(e).entries ? appNames(e).names.map((n) => "app-" + n) : ["app"];
  if (stack === "cluster" && target !== "eks") {
    fail(`make ${goal}: environment "${env}" has no cluster stack (target.type is "${target}"); allowed: ${["mesh", ...appStacks].join(", ")}`);
  }
  if (stack && stack !== "cluster" && stack !== "mesh" && !appStacks.includes(stack)) {
    const allowed = [...(target === "eks" ? ["cluster"] : []), "mesh", ...appStacks];
    fail(`make ${goal}: environment "${env}" has no stack ${stack}; allowed: ${allowed.join(", ")}`);
  }
  if (goal === "promote") checkApp(envs[env] || {}, env, app);
}

// appNames returns the names of an environment's apps, sorted, and
// whether they are entries of apps (otherwise the shorthand's one app).
function appNames(e) {
  const entries = e.apps && typeof e.apps === "object" && !Array.isArray(e.apps);
  return { entries, names: entries ? Object.keys(e.apps).sort() : [(e.app && e.app.name) || "echo"] };
}

// checkApp checks APP of make promote against the environment's apps: the
// keys of apps, or the shorthand's one app (app.name, default "echo", as
// constructs/bluegreen names it).
function checkApp(e, env, app) {
  const { names } = appNames(e);
  if (app && !names.includes(app)) {
    fail(`make promote: APP "${app}" is not an app of environment "${env}"; apps: ${names.join(", ") || "none"}`);
  }
  if (!app && names.length > 1) {
    fail(`make promote: environment "${env}" has several apps; name one with APP=<app>; apps: ${names.join(", ")}`);
  }
}

main(process.argv.slice(2));
