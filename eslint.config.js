// ESLint flat config: typescript-eslint's recommended rules for all TypeScript, React's hook rules
// and Next's rules for app/. Formatting is Prettier's job (npm run format:check), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import nextPlugin from '@next/eslint-plugin-next';
import globals from 'globals';

export default tseslint.config(
  // What .gitignore leaves out (build output, local data, scratch worktrees under tmp/) and models/.
  { ignores: ['node_modules/', '.next/', 'generated/', 'data/', 'tmp/', 'test-results/', 'models/', 'next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // `_`-prefixed arguments are deliberately unused (positional callback parameters).
      // Names and titles refuse control characters on purpose (/[^\u0000-\u001f]/).
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['app/**/*.{ts,tsx}'],
    // Workers are not React: their `use(backend)` is tfjs's, not a hook.
    ignores: ['app/**/*.worker.ts'],
    plugins: { 'react-hooks': reactHooks, '@next/next': nextPlugin },
    // The two classic hook rules; the React Compiler rules of plugin v7 are not adopted (no compiler here).
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      ...nextPlugin.configs.recommended.rules,
      // Links between pages are plain <a> on purpose: each page opens its own sockets and data.
      '@next/next/no-html-link-for-pages': 'off',
    },
  },
);
