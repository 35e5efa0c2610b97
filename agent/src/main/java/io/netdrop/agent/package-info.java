/** The agent's entry points (premain and the OpenTelemetry Java agent extension) and its isolated class loader: the only netdrop classes outside {@code inst/} in the agent jar besides the bootstrap bridge. */
package io.netdrop.agent;
