/** Drop events from the BPF ring buffer: decoding without allocation, and formatting for logs. */
package io.netdrop.drops;
