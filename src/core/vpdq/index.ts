/** vPDQ (video PDQ): features, reference text formats and brute-force matching. Pure, browser-safe. */
export {
  InvalidVpdqError,
  makeVpdqFeature,
  type VpdqFeature,
  vpdqFeatureFromHex,
  vpdqFrameInterval,
  vpdqTimestamp,
} from './feature.js';
export {
  formatVpdqCompactLine,
  formatVpdqLine,
  formatVpdqText,
  formatVpdqTimestamp,
  parseVpdqLine,
  parseVpdqText,
  pythonFloatPrecision3,
  toFixedTiesEven,
  vpdqFromSignal,
  vpdqToSignal,
} from './format.js';
export {
  isVpdqMatch,
  matchVpdqBrute,
  packVpdqHashes,
  prepareVpdqFeatures,
  VPDQ_COMPARE_MATCH_THRESHOLD_PERCENT,
  VPDQ_DISTANCE_THRESHOLD,
  VPDQ_QUALITY_THRESHOLD,
  VPDQ_QUERY_MATCH_THRESHOLD_PERCENT,
  type VpdqMatchOptions,
  type VpdqMatchResult,
} from './match.js';
