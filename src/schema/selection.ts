import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** Whether the operation asks for `field` directly under the field being resolved (through fragments too). */
export const selects = (info: GraphQLResolveInfo, field: string): boolean => selectsPath(info, [field]);

/**
 * Whether the operation asks for the field at `path` below the field being resolved (through
 * fragments too), say `['edges', 'node', 'seller']` under a connection.
 */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) {
    const found: FieldNode[] = [];
    const collect = (set: SelectionSetNode | undefined, seen: Set<string>): void => {
      for (const selection of set?.selections ?? []) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value === name) found.push(selection);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          collect(selection.selectionSet, seen);
        } else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          collect(info.fragments[selection.name.value]?.selectionSet, seen);
        }
      }
    };
    for (const node of nodes) collect(node.selectionSet, new Set());
    if (found.length === 0) return false;
    nodes = found;
  }
  return true;
}
