import { createEventsService } from './events.service.ts';
import { createFacilitiesService } from './facilities.service.ts';
import { createRecordsService } from './records.service.ts';
import { createRegistryKit, type PowDeps } from './registry.kit.ts';
import { createRegistryDashboard } from './registry-dashboard.service.ts';
import { createWelfareService } from './welfare.service.ts';

export type {
  EventDetails,
  EventInput,
  EventType,
  FacilityView,
  PowDeps,
  RecordSummary,
} from './registry.kit.ts';
export {
  EVENT_TYPES,
  eventDetailsSchema,
  hashedMatchKeys,
  MATCH_KEYS_PER_RECORD,
  matchKeyHash,
  padMatchKeys,
} from './registry.kit.ts';

/**
 * The POW registry (GC III; docs/decisions/0005-pow-registry.md), one service per resource: facilities,
 * records, events and capture-card duties, welfare and correspondence, the registrar's dashboard. They
 * share the helpers in `registry.kit.ts`; this is the one object the routes, jobs and the relatives
 * desk use.
 */
export function createRegistryService(deps: PowDeps) {
  const kit = createRegistryKit(deps);
  const facilities = createFacilitiesService(kit);
  const welfare = createWelfareService(kit);
  return {
    decryptIdentity: kit.decryptIdentity,
    ...facilities,
    ...createRecordsService(kit, welfare),
    ...createEventsService(kit),
    ...welfare,
    ...createRegistryDashboard(kit, facilities),
  };
}

export type RegistryService = ReturnType<typeof createRegistryService>;
