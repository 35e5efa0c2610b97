/** What netdrop reports about each drop: folded bursts, the console line, OpenTelemetry and JFR. */
package io.netdrop.telemetry;
