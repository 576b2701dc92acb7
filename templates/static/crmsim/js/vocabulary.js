// The SPA's one home for the back end's vocabulary: stage names and labels, record, activity and pace types,
// and the input limits. All of it comes from GET /api/vocabulary/, fetched once per page load before the first
// screen renders (app.js awaits loadVocabulary()); screens read it through the accessors below and spell none
// of it themselves.

import { api } from "./api.js";

// Record types with a list endpoint (/api/simulations/{id}/<type>/) and so a browser screen: the events are
// counted and exported, but only seen on a contact's timeline.
const BROWSABLE = new Set(["companies", "contacts", "deals", "activities"]);

let loaded = null; // the fetch's promise: shared by concurrent callers, never refetched

/** Fetch /api/vocabulary/ once; later calls return the same promise. A failed fetch may be retried. */
export function loadVocabulary() {
  if (!loaded) {
    loaded = api.get("/api/vocabulary/").then(freeze, (error) => {
      loaded = null;
      throw error;
    });
  }
  return loaded;
}

let words = null;

function freeze(data) {
  words = Object.freeze({
    ...data,
    recordTypes: data.recordTypes.map((type) => ({ ...type, key: camelCase(type.value) })),
    labels: new Map([...data.lifecycleStages, ...data.dealStages].map(({ value, label }) => [value, label])),
  });
  return words;
}

function vocabulary() {
  if (!words) throw new Error("The vocabulary is not loaded yet (await loadVocabulary() first).");
  return words;
}

/** "lifecycle_events" -> "lifecycleEvents": the API's count objects key record types in camelCase. */
function camelCase(value) {
  return value.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase());
}

/** [{value, label}] in pipeline order. */
export const lifecycleStages = () => vocabulary().lifecycleStages;
export const dealStages = () => vocabulary().dealStages;
export const activityTypes = () => vocabulary().activityTypes;
export const paces = () => vocabulary().paces;
export const leadStatuses = () => vocabulary().leadStatuses;
export const sources = () => vocabulary().sources;
export const pipelines = () => vocabulary().pipelines;
export const dealTypes = () => vocabulary().dealTypes;
export const committeeRoles = () => vocabulary().committeeRoles;

/** [{value, label, key}]: `value` as the export's ?type= spells it, `key` as progress and preview counts do. */
export const recordTypes = () => vocabulary().recordTypes;

/** The record types that have a browser screen, in API order. */
export const browsableTypes = () => recordTypes().filter((type) => BROWSABLE.has(type.value));

export const isBrowsable = (type) => BROWSABLE.has(type);

/** A lifecycle or deal stage's label ("MQL", "Closed won"); unknown values as they are, none as "—". */
export function stageLabel(stage) {
  return vocabulary().labels.get(stage) || stage || "—";
}

function labelIn(list, value) {
  return list.find((item) => item.value === value)?.label || value;
}

export const activityLabel = (type) => labelIn(activityTypes(), type);
export const paceLabel = (pace) => labelIn(paces(), pace);
export const recordTypeLabel = (type) => labelIn(recordTypes(), type);
/** HubSpot property values' labels ("Organic search", "New business"); blanks as "—". */
export const leadStatusLabel = (value) => (value ? labelIn(leadStatuses(), value) : "—");
export const sourceLabel = (value) => (value ? labelIn(sources(), value) : "—");
export const pipelineLabel = (value) => labelIn(pipelines(), value);
export const dealTypeLabel = (value) => labelIn(dealTypes(), value);
export const roleLabel = (value) => labelIn(committeeRoles(), value);
export const companyKindLabel = (value) => labelIn(vocabulary().companyKinds, value);

/** The pace that plays in (compressed) real time and so takes a time scale. */
export const LIVE = "live";

/** {maxRecords, maxWindowDays, minTimeScale, maxTimeScale} as numbers and maxSeed as a BigInt (it exceeds 2^53). */
export function limits() {
  const { maxSeed, maxRecords, maxWindowDays, minTimeScale, maxTimeScale } = vocabulary().limits;
  return { maxSeed: BigInt(maxSeed), maxRecords, maxWindowDays, minTimeScale, maxTimeScale };
}
