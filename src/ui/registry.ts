// Every view and object tab the dashboard has, in the order their tabs are shown. A new one is a
// module exporting a View or ObjectTab (see shell.ts), added here.
import { CLUSTER_VIEW } from './cluster-page.js';
import { EVENTS_VIEW } from './events-view.js';
import { SERVICES_VIEW } from './services-view.js';
import { LOGS_TAB } from './logs-tab.js';
import { TERMINAL_TAB } from './terminal-tab.js';
import type { ObjectTab, View } from './shell.js';
import { YAML_TAB } from './yaml-tab.js';
import { WORKLOADS_VIEW } from './workloads-view.js';

export const VIEWS: readonly View[] = [
  CLUSTER_VIEW,
  WORKLOADS_VIEW,
  SERVICES_VIEW,
  EVENTS_VIEW,
];

export const OBJECT_TABS: readonly ObjectTab[] = [
  YAML_TAB,
  LOGS_TAB,
  TERMINAL_TAB,
];
