"""`reconciler init`: a new campaign repository, so a team starts without forking the tool."""
