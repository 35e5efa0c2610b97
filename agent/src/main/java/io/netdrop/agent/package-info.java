/** The agent's entry point and its isolated class loader: the only netdrop classes outside {@code inst/} in the agent jar besides the bootstrap bridge. */
package io.netdrop.agent;
