/** The diagnostics of the libraries inside netdrop, on netdrop's own slf4j: never the application's logging. */
package io.netdrop.logging;
