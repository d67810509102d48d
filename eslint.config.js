// The one lint rule of Mailroom (docs/decisions/0008-one-rule-for-sql.md): only repositories
// (`src/**/*-repository.ts`) and `src/db/` speak SQL. Everywhere else under src/ it is an error to
// import the database libraries or to build a query. Tests and scripts are not linted.
import tseslint from 'typescript-eslint';

const WHY = 'SQL lives in repositories (`*-repository.ts`) and src/db/ only: call a repository function; use `type Database`, `inTransaction` and `dialectOf` from src/db/database.ts.';

/** Query-building calls of Kysely: on a handle or a transaction (`db.selectFrom(…)`), or the `sql` tag and its helpers. */
const QUERY_BUILDERS = ['selectFrom', 'selectNoFrom', 'updateTable', 'insertInto', 'replaceInto', 'deleteFrom', 'mergeInto'];

export default [
  { ignores: ['dist/**', 'node_modules/**'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser, sourceType: 'module' },
    // Only this rule runs: directives for rules of other linters in the code are not reported as unused.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['kysely', 'kysely/*'], message: WHY },
            { group: ['pg', 'pg/*', 'pg-*'], message: WHY },
            { group: ['better-sqlite3', 'better-sqlite3/*'], message: WHY },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `CallExpression[callee.type='MemberExpression'][callee.property.name=/^(${QUERY_BUILDERS.join('|')})$/]`,
          message: `A query is built here. ${WHY}`,
        },
        { selector: "TaggedTemplateExpression[tag.name='sql']", message: `An sql\`…\` statement is written here. ${WHY}` },
        { selector: "CallExpression[callee.object.name='sql']", message: `sql.… is used here. ${WHY}` },
      ],
    },
  },
  {
    // Where SQL belongs.
    files: ['src/**/*-repository.ts', 'src/db/**/*.ts'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
  },
];
