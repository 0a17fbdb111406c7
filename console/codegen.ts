import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from the API's own schema (the repository's schema.graphql): every
// `graphql(...)` call in src/ becomes a TypedDocumentNode in src/gql/ (generated, gitignored).
const config: CodegenConfig = {
  schema: ['../schema.graphql'],
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { Date: 'string', DateTime: 'string', Decimal: 'string', JSON: 'unknown', Upload: 'File' },
      },
    },
  },
};

export default config;
