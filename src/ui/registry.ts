// Every view and object tab the dashboard has, in the order their tabs are shown. A new one is a
// module exporting a View or ObjectTab (see shell.ts), added here.
import { CLUSTER_VIEW } from './cluster-page.js';
import { LOGS_TAB } from './logs-tab.js';
import { TERMINAL_TAB } from './terminal-tab.js';
import type { ObjectTab, View } from './shell.js';

export const VIEWS: readonly View[] = [
  CLUSTER_VIEW,
];

export const OBJECT_TABS: readonly ObjectTab[] = [
  LOGS_TAB,
  TERMINAL_TAB,
];
