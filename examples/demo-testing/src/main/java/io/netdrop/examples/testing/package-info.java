/** Runs a demo app under both agents and reads what they exported, for the demos' integration tests. */
package io.netdrop.examples.testing;
