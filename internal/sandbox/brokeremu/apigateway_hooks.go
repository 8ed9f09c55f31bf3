package brokeremu

// The test hooks of API Gateway: the invocation counter.

// Invocations is how many invocations were handed to a runtime.
func (g *APIGateway) Invocations() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.invocations
}
