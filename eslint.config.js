// ESLint: typescript-eslint's recommended rules with type information for the code that ships (src/), the
// syntax-only set for tests and tooling; formatting is Prettier's business (eslint-config-prettier).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'packages/*/dist/**',
      'site/**',
      'node_modules/**',
      'coverage/**',
      'spp-kit-reports/**',
      'src/contract/generated/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      // Parsed JSON from targets and documents is `any` on purpose where a check reads what a stranger sent.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Handlers are async by the route table's type even when they do not await.
      '@typescript-eslint/require-await': 'off',
      // Control characters in patterns are deliberate (RFC character sets, NUL checks).
      'no-control-regex': 'off',
      // TypeScript checks names; the core rule does not know DOM/Node globals in type positions.
      'no-undef': 'off',
      // A `let` read by a closure before its one assignment cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  prettier,
);
