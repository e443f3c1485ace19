// The project name check of the CLI's -p: the naming rules themselves live in src/rules/names.ts.
import { LockerError } from '../errors.js';
import { NAME_RULE, PROJECT_NAME } from '../rules/names.js';

export function validateProjectName(name: string): void {
  if (PROJECT_NAME.test(name)) return;
  throw new LockerError('SPEC_INVALID', `invalid project name ${JSON.stringify(name)}: ${NAME_RULE}`, {
    hint: 'use -p NAME',
  });
}
