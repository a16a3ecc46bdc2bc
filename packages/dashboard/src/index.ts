// Public surface of @rocketmq-ts/dashboard.
export { type Dashboard, type DashboardOptions, startDashboard } from './server/dashboard.js';
