// Selections every mutation document shares, spread where they are needed (the client
// preset adds a spread fragment's definition to each document that uses it).
import { graphql } from '../gql';

/** A payload's typed errors, as forms place them (components/forms.tsx). */
export const PayloadErrors = graphql(`
  fragment PayloadErrors on UserError {
    field
    message
    code
  }
`);
