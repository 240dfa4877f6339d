"""The Microsoft Teams front end on botbuilder-core. Every botbuilder import of the project
lives in this package, so a move to the Microsoft 365 Agents SDK is an adapter swap."""
