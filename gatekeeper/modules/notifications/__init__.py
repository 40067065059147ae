"""In-app notifications (站内消息)."""
