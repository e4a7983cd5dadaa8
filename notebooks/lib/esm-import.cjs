// tslab compiles notebook cells (and local .ts modules) to CommonJS, where `import()` becomes
// `require()`; vega and vega-lite are ES modules with top-level await, which `require` cannot
// load. A real dynamic import from a CommonJS file can.
module.exports = { esmImport: (specifier) => import(specifier) };
