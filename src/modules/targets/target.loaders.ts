import DataLoader from 'dataloader';
import type { Scope } from '../../graphql/scope';
import type { Target } from './target.entity';
import type { ChildrenSum, TargetService } from './target.service';

/** Per-request loaders of the targets module; every one applies the caller's region scope. */
export function createTargetLoaders(service: TargetService, scope: Scope) {
  return {
    targetById: new DataLoader<string, Target | null>((ids) => service.byIds(scope, ids)),
    /** Sum of the direct children's targets; keys are ids of targets already read in scope. */
    targetChildrenSum: new DataLoader<string, ChildrenSum>((ids) => service.childrenSums(ids)),
  };
}
export type TargetLoaders = ReturnType<typeof createTargetLoaders>;
