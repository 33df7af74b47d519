// Folder-layer import rule (VS Code's idea, our folder names). Every file's layer is told by its
// top-level folder; the table below says which layers and packages it may import. A violation is
// an error, so `npm test` (which runs lint) fails when shared/ reaches for node:* or the DOM.
import path from 'node:path';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** Packages each layer may import. Node built-ins and `electron` are listed explicitly. */
const SHARED_PACKAGES = ['@noble/hashes', '@noble/curves', 'fzstd', 'yaml', 'zod'];

function layerOf(file) {
  const rel = path.relative(repoRoot, file).split(path.sep);
  const [top, second] = rel;
  if (top === 'shared') return 'shared';
  if (top === 'renderer') return 'renderer';
  if (top === 'electron') {
    if (second === 'main') return 'electron/main';
    if (second === 'preload') return 'electron/preload';
    return 'electron/node';
  }
  return 'other';
}

function importedLayer(fromFile, spec) {
  if (!spec.startsWith('.')) return null;
  return layerOf(path.resolve(path.dirname(fromFile), spec));
}

function packageName(spec) {
  if (spec.startsWith('.')) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

const ALLOWED_LAYERS = {
  shared: ['shared'],
  renderer: ['renderer', 'shared'],
  'electron/node': ['electron/node', 'shared'],
  'electron/main': ['electron/main', 'electron/node', 'shared'],
  'electron/preload': ['electron/preload', 'shared'],
};

function packageAllowed(layer, pkg, spec) {
  const builtin = spec.startsWith('node:');
  switch (layer) {
    case 'shared':
      return SHARED_PACKAGES.includes(pkg);
    case 'renderer':
      return !builtin && pkg !== 'electron';
    case 'electron/node':
      return pkg !== 'electron' && !['react', 'react-dom', 'zustand'].includes(pkg);
    case 'electron/main':
      return !['react', 'react-dom', 'zustand'].includes(pkg);
    case 'electron/preload':
      return pkg === 'electron';
    default:
      return true;
  }
}

export const layeringRule = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the shared/electron/renderer layering' },
    schema: [],
    messages: {
      layer: "bad layering: {{layer}} may not import {{target}} ('{{spec}}')",
      pkg: "bad layering: {{layer}} may not import package '{{spec}}'",
    },
  },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const layer = layerOf(file);
    if (layer === 'other') return {};
    function check(node, spec) {
      if (typeof spec !== 'string') return;
      const target = importedLayer(file, spec);
      if (target !== null) {
        if (!ALLOWED_LAYERS[layer].includes(target)) {
          context.report({ node, messageId: 'layer', data: { layer, target, spec } });
        }
        return;
      }
      const pkg = packageName(spec);
      if (!packageAllowed(layer, pkg, spec)) {
        context.report({ node, messageId: 'pkg', data: { layer, spec } });
      }
    }
    return {
      ImportDeclaration(node) { check(node, node.source.value); },
      ExportNamedDeclaration(node) { if (node.source) check(node, node.source.value); },
      ExportAllDeclaration(node) { check(node, node.source.value); },
      ImportExpression(node) { if (node.source.type === 'Literal') check(node, node.source.value); },
    };
  },
};
