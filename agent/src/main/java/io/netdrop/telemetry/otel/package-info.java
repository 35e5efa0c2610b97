/** netdrop's drops as OpenTelemetry span events, child spans, log records and metrics. */
package io.netdrop.telemetry.otel;
