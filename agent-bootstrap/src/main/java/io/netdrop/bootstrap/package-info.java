/** Classes on the bootstrap class path, visible to advice inside JDK classes. */
package io.netdrop.bootstrap;
