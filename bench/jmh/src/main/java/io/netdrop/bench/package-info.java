/** JMH benchmarks of the drop-event path: ring-buffer consumption and {@code nd_event} decoding. */
package io.netdrop.bench;
