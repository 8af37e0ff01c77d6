import { registerEnumType } from 'type-graphql';
import { Role } from '../entities/role';

registerEnumType(Role, { name: 'Role', description: 'The kind of account; each kind signs up and logs in separately.' });

export { Role };
