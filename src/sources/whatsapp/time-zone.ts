/** WhatsApp's zone handling is the shared one (../time-zone.ts). */
export {
  fixedZone,
  isValidLocal,
  type LocalTime,
  localToUtcMs,
  parseZone,
  wallMs,
  type Zone,
  zoneLabel,
} from '../time-zone.js';
