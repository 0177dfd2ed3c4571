// goimports lists the packages under one import path prefix that the
// repository's Go files import (tests included), for the binding
// generators in tools/awsbinding and tools/kubebinding.
"use strict";

const fs = require("fs");
const path = require("path");

// importedPackages returns the last path element of every package imported
// by a Go file under root whose import path is prefix + element, sorted.
// Folders starting with "." or "_", node_modules, testdata, tools and
// cdktf.out are skipped.
function importedPackages(root, prefix) {
  const found = new Set();
  const skip = new Set(["node_modules", "testdata", "tools", "cdktf.out"]);
  const re = new RegExp(`"${prefix.replace(/[.]/g, "\\.")}([a-z0-9]+)"`, "g");
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!e.name.startsWith(".") && !e.name.startsWith("_") && !skip.has(e.name)) {
          walk(path.join(dir, e.name));
        }
      } else if (e.name.endsWith(".go")) {
        // The import declarations: `import "p"`, `import x "p"` and
        // `import ( ... )` blocks, which come before any other declaration.
        const src = fs.readFileSync(path.join(dir, e.name), "utf8");
        const head = src.split(/^(?:func|type|var|const)\b/m)[0];
        const decls = [...head.matchAll(/^import\s*(\([^)]*\)|[^\n]*)/gm)].map((m) => m[1]).join("\n");
        for (const m of decls.matchAll(re)) found.add(m[1]);
      }
    }
  };
  walk(root);
  return [...found].sort();
}

module.exports = { importedPackages };
