/**
 * Channel lineage (issue 7 §7): a banned channel's backup regains its members
 * within days, re-posting the old media, forwarding from the same sources,
 * under a look-alike title, run by the same admins. These modules profile every
 * scanned channel, find the channels that probably continue a reported one,
 * record the links with their evidence, and alert the cases concerned.
 */
export { type AlertActor, type CaseRef, casesOfChannel } from './alerts.js';
export { type Comparison, compareChannels, type LineageEvidence } from './compare.js';
export { accountKey, channelAliases, channelKey, chatLocation } from './keys.js';
export { type ChannelLink, getLink, listLinks, setLinkStatus } from './links.js';
export {
  type ChannelProfile,
  type ChannelRef,
  loadProfiles,
  refreshChannelProfile,
  refreshStaleProfiles,
  staleChannels,
} from './profile.js';
export {
  type FindSuccessorsOptions,
  findSuccessors,
  type LineageCheck,
  type LineageMatch,
  locateChat,
} from './successors.js';
export { compareTitles, titleSkeleton } from './title.js';
