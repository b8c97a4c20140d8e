// Copy the files the UI uses from node_modules into hetong/static/vendor (git-ignored).
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const vendor = join(here, "..", "hetong", "static", "vendor");

const copies = [
  ["@tabler/core/dist/css/tabler.min.css", "tabler/tabler.min.css"],
  ["@tabler/core/dist/css/tabler.min.css.map", "tabler/tabler.min.css.map"],
  ["@tabler/core/dist/js/tabler.min.js", "tabler/tabler.min.js"],
  ["@tabler/core/dist/js/tabler.min.js.map", "tabler/tabler.min.js.map"],
  ["@tabler/icons-webfont/dist/tabler-icons.min.css", "tabler-icons/tabler-icons.min.css"],
  ["@tabler/icons-webfont/dist/fonts", "tabler-icons/fonts"],
  ["echarts/dist/echarts.min.js", "echarts/echarts.min.js"],
  ["echarts/LICENSE", "echarts/LICENSE"],
];

rmSync(vendor, { recursive: true, force: true });
for (const [from, to] of copies) {
  const target = join(vendor, to);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(modules, from), target, { recursive: true });
}
console.log(`copied ${copies.length} assets into ${vendor}`);
