import tseslint from 'typescript-eslint';
import { layeringRule } from './eslint/layering.js';

const local = { rules: { layering: layeringRule } };

// Things the pure core must receive through ports instead of reaching for them.
const impureGlobals = [
  'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'queueMicrotask',
  'console', 'process', 'Buffer', 'window', 'document', 'performance', 'crypto', 'fetch',
  'require', 'globalThis', 'navigator', 'localStorage',
].map((name) => ({ name, message: `shared/ is pure: '${name}' must come in through an injected port` }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'test/build/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    plugins: { local },
    rules: {
      'local/layering': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', importNames: ['ipcMain', 'ipcRenderer'],
          message: 'Only electron/main/ipc-server.ts may use ipcMain and electron/preload/bridge.ts ipcRenderer.' }],
      }],
    },
  },
  {
    files: ['electron/main/ipc-server.ts', 'electron/preload/bridge.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...impureGlobals],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'shared/ is pure: time comes in as data (tick(nowMs))' },
        { object: 'Math', property: 'random', message: 'shared/ is pure: use the seeded Prng port' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date']", message: 'shared/ is pure: no wall clock' },
      ],
    },
  },
  {
    files: ['build/**/*.{js,mjs,cjs}', 'test/**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
