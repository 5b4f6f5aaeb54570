export {
  compileFilterCriteria,
  DEFAULT_MAX_FILTERS,
  type FilterCriteria,
  FilterPatternError,
  MAX_FILTERS,
  MAX_PATTERN_CHARACTERS,
} from "./filter-criteria.js";
export { sqsFilterView } from "./sqs-filter-view.js";
