package sdk

// Unregister removes a registration, so that the registry's own tests
// leave no global behind.
func Unregister(name string) {
	registryMu.Lock()
	defer registryMu.Unlock()
	delete(registry, name)
}
