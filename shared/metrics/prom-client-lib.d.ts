/**
 * Types for prom-client's own modules imported one by one (prom-client ships types for its index
 * only). Importing the index also loads its Pushgateway and cluster code (node:http, https, zlib,
 * cluster), several MB of memory the agent does not need; these modules are the same classes.
 */
declare module 'prom-client/lib/registry.js' {
  import { Registry } from 'prom-client';
  export default Registry;
}
declare module 'prom-client/lib/counter.js' {
  import { Counter } from 'prom-client';
  export default Counter;
}
declare module 'prom-client/lib/gauge.js' {
  import { Gauge } from 'prom-client';
  export default Gauge;
}
declare module 'prom-client/lib/histogram.js' {
  import { Histogram } from 'prom-client';
  export default Histogram;
}
declare module 'prom-client/lib/metrics/processCpuTotal.js' {
  const add: (registry: import('prom-client').Registry) => void;
  export default add;
}
declare module 'prom-client/lib/metrics/processStartTime.js' {
  const add: (registry: import('prom-client').Registry) => void;
  export default add;
}
declare module 'prom-client/lib/metrics/osMemoryHeap.js' {
  const add: (registry: import('prom-client').Registry) => void;
  export default add;
}
declare module 'prom-client/lib/metrics/processOpenFileDescriptors.js' {
  const add: (registry: import('prom-client').Registry) => void;
  export default add;
}
declare module 'prom-client/lib/metrics/processMaxFileDescriptors.js' {
  const add: (registry: import('prom-client').Registry) => void;
  export default add;
}
declare module 'prom-client/lib/metrics/heapSizeAndUsed.js' {
  const add: (registry: import('prom-client').Registry) => void;
  export default add;
}
declare module 'prom-client/lib/defaultMetrics.js' {
  import { collectDefaultMetrics } from 'prom-client';
  export default collectDefaultMetrics;
}
